# Shared part of toolchain-armhf.cmake and toolchain-arm64.cmake. Those set
# BA_ARCH, BA_TRIPLET and BA_LOADER and include this file.
#
# Cross build against Debian's own armhf/arm64 libraries, unpacked by
# deploy/cross/fetch-sysroot.sh into build/sysroot-<arch> (deploy.md 4.3).
# The C library and libstdc++ for compiling come from the cross compiler's
# own tree (/usr/<triplet>); CAF, sdbus-c++, libsystemd and nlohmann_json
# come from the sysroot.

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_C_COMPILER ${BA_TRIPLET}-gcc)
set(CMAKE_CXX_COMPILER ${BA_TRIPLET}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${BA_TRIPLET})

# The sysroot may be given on the command line (-DBA_SYSROOT=...); the
# default is the one fetch-sysroot.sh makes. try_compile() projects re-read
# this file, so pass the value on to them.
if(NOT BA_SYSROOT)
  get_filename_component(BA_SYSROOT
    "${CMAKE_CURRENT_LIST_DIR}/../../build/sysroot-${BA_ARCH}" ABSOLUTE)
endif()
set(BA_SYSROOT "${BA_SYSROOT}" CACHE PATH "Debian ${BA_ARCH} sysroot (dpkg -x)")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES BA_SYSROOT)
if(NOT EXISTS "${BA_SYSROOT}/usr/include/caf/all.hpp")
  message(FATAL_ERROR "No sysroot at ${BA_SYSROOT}: run deploy/cross/fetch-sysroot.sh ${BA_ARCH}")
endif()

# Libraries, headers and CMake packages only from the sysroot (plus the
# cross compiler's own tree, which it searches by itself); programs (e.g.
# pkg-config) from the build machine.
set(CMAKE_FIND_ROOT_PATH "${BA_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${BA_SYSROOT}")
set(ENV{PKG_CONFIG_LIBDIR}
    "${BA_SYSROOT}/usr/lib/${BA_TRIPLET}/pkgconfig:${BA_SYSROOT}/usr/share/pkgconfig")

# The headers of the sysroot's packages. -isystem, like /usr/include on a
# native build, so that -Werror does not trip on warnings inside CAF.
set(_ba_flags "-isystem ${BA_SYSROOT}/usr/include")
set(CMAKE_C_FLAGS_INIT "${_ba_flags}")
set(CMAKE_CXX_FLAGS_INIT "${_ba_flags} ${BA_EXTRA_CXX_FLAGS}")

# Linking (deploy.md 0.2 and 4.3):
# - the libraries are spread over usr/lib/<triplet> and lib/<triplet>, and
#   the linker must find the dependencies of the dependencies: -rpath-link;
# - the program uses the dynamic loader bundled in the package, not the one
#   of the Venus release (whose glibc may be too old: 2.31 up to v3.55);
# - DT_RPATH, not DT_RUNPATH (--disable-new-dtags): RUNPATH applies only to
#   the program's own NEEDED entries, so libsystemd's dependencies would
#   not be found in the bundle (checked: "libsystemd.so.0: cannot open").
set(_ba_dev_lib "/data/BatteryAggregator/lib/${BA_ARCH}")
set(CMAKE_EXE_LINKER_FLAGS_INIT
    "-L${BA_SYSROOT}/usr/lib/${BA_TRIPLET} -L${BA_SYSROOT}/lib/${BA_TRIPLET} \
-Wl,-rpath-link,${BA_SYSROOT}/usr/lib/${BA_TRIPLET}:${BA_SYSROOT}/lib/${BA_TRIPLET} \
-Wl,--dynamic-linker=${_ba_dev_lib}/${BA_LOADER} \
-Wl,-rpath,${_ba_dev_lib} -Wl,--disable-new-dtags")
set(CMAKE_SHARED_LINKER_FLAGS_INIT
    "-L${BA_SYSROOT}/usr/lib/${BA_TRIPLET} -L${BA_SYSROOT}/lib/${BA_TRIPLET} \
-Wl,-rpath-link,${BA_SYSROOT}/usr/lib/${BA_TRIPLET}:${BA_SYSROOT}/lib/${BA_TRIPLET}")

# CMake would add the sysroot's library folders (build paths) as an rpath
# next to ours; the only rpath the device may see is the one above.
set(CMAKE_SKIP_RPATH ON CACHE BOOL "the rpath comes from the linker flags")
