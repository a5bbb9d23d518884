# The build's provenance for src/train/build_info.cc: what CMake knows when it configures
# (build_config.h) and `git describe`, taken again at every build (git_describe.h, rewritten
# only when it changes, so an unchanged tree recompiles nothing).
set(SEQTRAIN_GIT_DESCRIBE "" CACHE STRING
  "Version control description to record instead of `git describe` (e.g. for a tarball build)")
set(SEQTRAIN_FLAGS_CLASS portable)
if(SEQTRAIN_NATIVE_ARCH)
  set(SEQTRAIN_FLAGS_CLASS native)
endif()
if(SEQTRAIN_SANITIZE OR SEQTRAIN_FUZZ)
  string(APPEND SEQTRAIN_FLAGS_CLASS "+sanitize")
endif()
set(SEQTRAIN_BUILD_TYPE "${CMAKE_BUILD_TYPE}")
if(NOT SEQTRAIN_BUILD_TYPE)
  set(SEQTRAIN_BUILD_TYPE "none")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/build_config.h.in ${SEQTRAIN_PROTO_GEN_DIR}/build_config.h @ONLY)

add_custom_target(seqtrain_git_describe
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DFIXED=${SEQTRAIN_GIT_DESCRIBE}
          -DOUTPUT=${SEQTRAIN_PROTO_GEN_DIR}/git_describe.h -P ${CMAKE_CURRENT_LIST_DIR}/git_describe.cmake
  BYPRODUCTS ${SEQTRAIN_PROTO_GEN_DIR}/git_describe.h
  COMMENT "" VERBATIM)
target_sources(seqtrain_core PRIVATE src/train/build_info.cc)
add_dependencies(seqtrain_core seqtrain_git_describe)
