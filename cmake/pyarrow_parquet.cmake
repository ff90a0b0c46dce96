# Arrow C++ + Parquet for the parquet reader (src/data/parquet_*.cpp), taken from the
# pyarrow wheel in the build-tools venv (pinned in scripts/requirements-dev.txt): its
# include/ folder and the versioned shared libraries next to pyarrow/__init__.py.
#
# Why this links with our gcc: the manylinux_2_28 wheel is built with the C++11 string
# ABI (_GLIBCXX_USE_CXX11_ABI=1, its exported symbols use std::__cxx11) like Debian's
# gcc 12, and needs only GLIBCXX_3.4.22 / GLIBC_2.28 from the system.
#
# The wheel ships libarrow.so.<N> but no unversioned libarrow.so, so -larrow cannot work
# without symlinks; the imported targets below name the versioned files instead (the
# linker takes a full path, DT_NEEDED is the soname). CMake puts their folder on the build
# RUNPATH, so bin/ragppo and the tests run without LD_LIBRARY_PATH.
#
# Defines the imported target ragppo_parquet (libparquet, linking libarrow) and
# RAGPPO_ARROW_INCLUDE_DIR.

set(RAGPPO_PYARROW_DIR "" CACHE PATH
    "pyarrow package folder (pyarrow.get_library_dirs()[0]); empty = ask RAGPPO_PYTHON")

if(NOT RAGPPO_PYARROW_DIR)
  execute_process(
    COMMAND ${RAGPPO_PYTHON_CLEAN} -c "import pyarrow; print(pyarrow.get_library_dirs()[0])"
    OUTPUT_VARIABLE _pyarrow_dir OUTPUT_STRIP_TRAILING_WHITESPACE
    ERROR_VARIABLE _pyarrow_err RESULT_VARIABLE _pyarrow_rc)
  if(NOT _pyarrow_rc EQUAL 0)
    message(FATAL_ERROR "pyarrow (Arrow C++ for parquet) not found by RAGPPO_PYTHON='${RAGPPO_PYTHON}': "
                        "run scripts/setup.sh, or pass -DRAGPPO_PYARROW_DIR=<site-packages>/pyarrow")
  endif()
  set(RAGPPO_PYARROW_DIR "${_pyarrow_dir}" CACHE PATH
      "pyarrow package folder (pyarrow.get_library_dirs()[0]); empty = ask RAGPPO_PYTHON" FORCE)
endif()

set(RAGPPO_ARROW_INCLUDE_DIR "${RAGPPO_PYARROW_DIR}/include")
file(GLOB _arrow_lib "${RAGPPO_PYARROW_DIR}/libarrow.so.*")
file(GLOB _parquet_lib "${RAGPPO_PYARROW_DIR}/libparquet.so.*")
list(LENGTH _arrow_lib _n_arrow)
list(LENGTH _parquet_lib _n_parquet)
if(NOT EXISTS "${RAGPPO_ARROW_INCLUDE_DIR}/parquet/arrow/reader.h" OR NOT _n_arrow EQUAL 1 OR NOT _n_parquet EQUAL 1)
  message(FATAL_ERROR "RAGPPO_PYARROW_DIR='${RAGPPO_PYARROW_DIR}' is not a pyarrow wheel folder with "
                      "include/parquet, one libarrow.so.<N> and one libparquet.so.<N>: run scripts/setup.sh")
endif()
file(STRINGS "${RAGPPO_ARROW_INCLUDE_DIR}/arrow/util/config.h" _arrow_version REGEX "define ARROW_VERSION_STRING")
string(REGEX REPLACE ".*\"(.*)\".*" "\\1" _arrow_version "${_arrow_version}")
message(STATUS "Arrow C++ ${_arrow_version} from pyarrow: ${_parquet_lib}")

add_library(ragppo_arrow SHARED IMPORTED)
set_target_properties(ragppo_arrow PROPERTIES IMPORTED_LOCATION "${_arrow_lib}")
add_library(ragppo_parquet SHARED IMPORTED)
set_target_properties(ragppo_parquet PROPERTIES IMPORTED_LOCATION "${_parquet_lib}"
                      INTERFACE_LINK_LIBRARIES ragppo_arrow)
