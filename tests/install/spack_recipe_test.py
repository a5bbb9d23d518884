"""packaging/spack/package.py against a stand-in for Spack's package API (Spack itself is not
installed here): it imports, declares the dependencies seqtrain's CMake build finds, and every
CMake variable it sets is one the build really has (read from a configured CMakeCache.txt).

python3 spack_recipe_test.py RECIPE CMAKE_CACHE"""
import sys
import types

recipe, cache_path = sys.argv[1], sys.argv[2]
declared = {"depends_on": [], "variant": [], "version": []}


def directive(name):
    def record(*args, **kwargs):
        declared[name].append((args, kwargs))
    return record


class Define:
    def __init__(self, name, value):
        self.name, self.value = name, value

    def __repr__(self):
        return f"-D{self.name}={self.value}"


class CMakePackage:
    run_tests = False

    def define(self, name, value):
        return Define(name, "ON" if value is True else "OFF" if value is False else value)

    def define_from_variant(self, name, variant):
        assert variant in [v[0][0] for v in declared["variant"]], f"no variant {variant}"
        return Define(name, "OFF")


def passthrough_decorator(*_args, **_kwargs):
    return lambda f: f


api = types.ModuleType("spack.package")
api.CMakePackage = CMakePackage
api.depends_on = directive("depends_on")
api.variant = directive("variant")
api.version = directive("version")
api.run_after = passthrough_decorator
api.on_package_attributes = passthrough_decorator
api.Executable = lambda path: (lambda *args: None)
api.__all__ = [n for n in dir(api) if not n.startswith("_")]
sys.modules["spack"] = types.ModuleType("spack")
sys.modules["spack.package"] = api

namespace = {}
exec(compile(open(recipe).read(), recipe, "exec"), namespace)
Seqtrain = namespace["Seqtrain"]
failures = []

deps = {args[0].split("@")[0].split("+")[0]: (args[0], kwargs.get("type"))
        for args, kwargs in declared["depends_on"]}
for needed in ["mpi", "openblas", "protobuf", "boost", "highway", "zlib-api", "googletest", "cmake"]:
    if needed not in deps:
        failures.append(f"no depends_on({needed!r})")
if "boost" in deps and "+program_options" not in deps["boost"][0]:
    failures.append(f"boost without +program_options: {deps['boost'][0]}")
if deps.get("googletest", (None, None))[1] != "test":
    failures.append("googletest must be a test-only dependency")

cache = {}
for line in open(cache_path):
    if ":" in line and "=" in line and not line.startswith(("#", "//")):
        name = line.split(":", 1)[0]
        cache[name] = line.split("=", 1)[1].strip()
for run_tests in (False, True):
    package = Seqtrain()
    openblas_prefix = types.SimpleNamespace(include="/spack/openblas/include")
    package.spec = {"openblas": types.SimpleNamespace(prefix=openblas_prefix)}
    package.run_tests = run_tests
    args = package.cmake_args()
    names = {a.name: a.value for a in args}
    for name in names:
        if name not in cache and name != "BLA_VENDOR":
            failures.append(f"cmake_args sets {name}, which the build does not have")
    if names.get("SEQTRAIN_BUILD_TESTS") != ("ON" if run_tests else "OFF"):
        failures.append(f"SEQTRAIN_BUILD_TESTS with run_tests={run_tests}: {names.get('SEQTRAIN_BUILD_TESTS')}")

for f in failures:
    print("FAIL:", f)
print("all checks passed" if not failures else f"{len(failures)} check(s) failed")
sys.exit(1 if failures else 0)
