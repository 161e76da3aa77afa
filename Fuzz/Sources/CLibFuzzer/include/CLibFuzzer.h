// libFuzzer's driver, from the toolchain's clang runtime (linked by -sanitize=fuzzer).
// SwiftPM gives every executable target its own `main`, so the targets call the driver
// themselves instead of linking libFuzzer's `main`.
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));
