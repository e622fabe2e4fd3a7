# CMake toolchain file: Debian 12 cross build for 32-bit Venus OS devices
# (ARMv7-A hard-float; every GX product before the AM62x Cerbo, RPi 2-4).
#   cmake -S . -B build/cross-armhf -G Ninja \
#     -DCMAKE_TOOLCHAIN_FILE=deploy/cross/toolchain-armhf.cmake -DBA_TESTS=OFF
# Needs g++-arm-linux-gnueabihf and deploy/cross/fetch-sysroot.sh armhf.
set(BA_ARCH armhf)
set(BA_TRIPLET arm-linux-gnueabihf)
set(BA_LOADER ld-linux-armhf.so.3)
# GCC's "parameter passing for argument ... changed in GCC 7.1" notes: only
# about mixing objects built by GCC < 7, which we never do. Venus's own
# build silences them too.
set(BA_EXTRA_CXX_FLAGS "-Wno-psabi")
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-common.cmake)
