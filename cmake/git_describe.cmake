# cmake -DSOURCE_DIR=... -DOUTPUT=.../git_describe.h [-DFIXED=...] -P git_describe.cmake
cmake_minimum_required(VERSION 3.25)  # script mode: the policies of this version
set(describe "${FIXED}")
if(describe STREQUAL "")
  find_program(GIT_EXECUTABLE git)
  if(GIT_EXECUTABLE)
    # Only the source tree's own repository: a tarball unpacked inside another checkout
    # (a packager's stage folder) must not take that one's description.
    execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} rev-parse --show-toplevel
      OUTPUT_VARIABLE toplevel RESULT_VARIABLE rc ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
    file(REAL_PATH "${SOURCE_DIR}" source_dir)
    if(rc EQUAL 0 AND NOT toplevel STREQUAL "")
      file(REAL_PATH "${toplevel}" toplevel)
    endif()
    if(rc EQUAL 0 AND toplevel STREQUAL source_dir)
      execute_process(COMMAND ${GIT_EXECUTABLE} -C ${SOURCE_DIR} describe --always --dirty --tags
        OUTPUT_VARIABLE describe RESULT_VARIABLE rc ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
      if(NOT rc EQUAL 0)
        set(describe "")
      endif()
    endif()
  endif()
endif()
if(describe STREQUAL "")
  set(describe unknown)  # not a git checkout: a tarball, or git missing
endif()
string(REPLACE "\"" "" describe "${describe}")
# Only a changed description touches the file (file(CONFIGURE) leaves an equal one alone).
file(CONFIGURE OUTPUT ${OUTPUT} CONTENT "#define SEQTRAIN_GIT_DESCRIBE \"@describe@\"\n" @ONLY)
