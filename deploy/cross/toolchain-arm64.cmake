# CMake toolchain file: Debian 12 cross build for 64-bit Venus OS devices
# (aarch64: Raspberry Pi 5, TI AM62x Cerbo GX boards).
#   cmake -S . -B build/cross-arm64 -G Ninja \
#     -DCMAKE_TOOLCHAIN_FILE=deploy/cross/toolchain-arm64.cmake -DBA_TESTS=OFF
# Needs g++-aarch64-linux-gnu and deploy/cross/fetch-sysroot.sh arm64.
set(BA_ARCH arm64)
set(BA_TRIPLET aarch64-linux-gnu)
set(BA_LOADER ld-linux-aarch64.so.1)
# GCC's -Wpsabi notes (e.g. "parameter passing for std::pair<double,double>
# changed to match C++14 in GCC 10.1"): about mixing with objects of old
# GCC versions, which we never do.
set(BA_EXTRA_CXX_FLAGS "-Wno-psabi")
include(${CMAKE_CURRENT_LIST_DIR}/toolchain-common.cmake)
