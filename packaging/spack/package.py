# Spack recipe for seqtrain. Use it from a repository of your own:
#   spack repo create myrepo && mkdir -p myrepo/packages/seqtrain
#   cp packaging/spack/package.py myrepo/packages/seqtrain/ && spack repo add myrepo
#   cd seqtrain && spack dev-build seqtrain@=main      (see "Where the sources are" below)
#   spack load seqtrain && seqtrain version
from spack.package import *


class Seqtrain(CMakePackage):
    """LSTM sequence classifier trained with MPI data parallelism over OpenBLAS, with
    checkpoints, resume and launch scripts for local, multi-host and Slurm runs."""

    # Where the sources are: there is no public release to fetch: build from a checkout with
    #   cd seqtrain && spack dev-build seqtrain@=main
    # (or `spack develop seqtrain@=main` in an environment). A site that hosts the repository
    # adds its clone URL here, e.g.  git = "https://git.example.org/seqtrain.git"  and then
    #   version("main", branch="main")

    variant("native", default=False,
            description="Compile for the build host's CPU (-march=native); the binary may not run "
                        "on other nodes. The SIMD kernels dispatch at run time either way.")

    depends_on("cmake@3.25:", type="build")
    depends_on("mpi")
    depends_on("openblas")
    depends_on("protobuf")
    depends_on("boost@1.74:+program_options")
    depends_on("zlib-api")
    depends_on("highway@1.0:")
    depends_on("googletest", type="test")

    def cmake_args(self):
        return [
            self.define_from_variant("SEQTRAIN_NATIVE_ARCH", "native"),
            self.define("SEQTRAIN_BUILD_TESTS", self.run_tests),
            self.define("SEQTRAIN_BUILD_BENCH", False),
            # FindBLAS must take Spack's OpenBLAS, not another BLAS on the system.
            self.define("BLA_VENDOR", "OpenBLAS"),
            self.define("SEQTRAIN_CBLAS_INCLUDE", self.spec["openblas"].prefix.include),
        ]

    @run_after("install")
    @on_package_attributes(run_tests=True)
    def check_version(self):
        # The installed binary reports its build (MPI singleton start, no launcher needed).
        Executable(self.prefix.bin.seqtrain)("version")
