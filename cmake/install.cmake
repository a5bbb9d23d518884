# `cmake --install build --prefix P`: P/bin/seqtrain and its launch scripts, the configs, the
# docs and the man page. Nothing installed names a build or source path, so P can be moved.
include(GNUInstallDirs)

# seqtrain(1) from the --help texts (src/app/man_page.cc), at build time.
add_executable(seqtrain_man src/app/man_page.cc src/app/man_page_main.cc)
target_link_libraries(seqtrain_man PRIVATE seqtrain_core)
add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/seqtrain.1
  COMMAND seqtrain_man ${PROJECT_VERSION} ${CMAKE_CURRENT_BINARY_DIR}/seqtrain.1
  DEPENDS seqtrain_man COMMENT "Generating the man page seqtrain.1" VERBATIM)
add_custom_target(seqtrain_manpage ALL DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/seqtrain.1)

install(TARGETS seqtrain RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
# The launchers find the seqtrain beside them first.
install(PROGRAMS launch/local.sh DESTINATION ${CMAKE_INSTALL_BINDIR} RENAME seqtrain-local)
install(PROGRAMS launch/multinode.sh DESTINATION ${CMAKE_INSTALL_BINDIR} RENAME seqtrain-multinode)
install(PROGRAMS launch/slurm_train.sbatch DESTINATION ${CMAKE_INSTALL_BINDIR} RENAME seqtrain-slurm)
install(FILES launch/hostfile.example DESTINATION ${CMAKE_INSTALL_DATADIR}/seqtrain/launch)
install(DIRECTORY configs/ DESTINATION ${CMAKE_INSTALL_DATADIR}/seqtrain/configs
  FILES_MATCHING PATTERN "*.txtpb")
install(FILES README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY docs/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/docs FILES_MATCHING PATTERN "*.md")
install(FILES bench/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR}/bench)  # README.md links it
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/seqtrain.1 DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
# An environment-modules / Lmod modulefile that finds the prefix from where it lies.
configure_file(packaging/modules/seqtrain.tcl.in ${CMAKE_CURRENT_BINARY_DIR}/modulefile/${PROJECT_VERSION}
  @ONLY)
install(FILES ${CMAKE_CURRENT_BINARY_DIR}/modulefile/${PROJECT_VERSION}
  DESTINATION ${CMAKE_INSTALL_DATADIR}/modulefiles/seqtrain)
