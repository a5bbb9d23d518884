# `cpack -G DEB` in the build folder: seqtrain_VERSION_ARCH.deb, installing under /usr what
# cmake/install.cmake installs. The library packages it depends on are those of the libraries
# the binary links, read by dpkg-shlibdeps (dpkg-dev); the launch scripts add mpirun's.
set(CPACK_PACKAGE_NAME seqtrain)
set(CPACK_PACKAGE_VENDOR seqtrain)
set(CPACK_PACKAGE_CONTACT "seqtrain maintainers <seqtrain@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "LSTM sequence classifier trained with MPI data parallelism")
set(CPACK_PACKAGE_DESCRIPTION "seqtrain trains an LSTM sequence classifier with MPI data parallelism \
over OpenBLAS, with checkpoints, resume and launch scripts for local, multi-host and Slurm runs.")
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # seqtrain_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION science)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "openmpi-bin | mpi-default-bin")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "slurm-client")
include(CPack)
