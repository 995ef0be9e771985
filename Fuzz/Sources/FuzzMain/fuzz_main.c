// The entry point of every fuzz target.
//
// SwiftPM links each executable target on Linux with `--defsym main=<module>_main`
// (so that tests can import executables). A fuzz target is compiled with
// `-parse-as-library` and has no `main` of its own, so `<module>_main` would be
// undefined and the link fails ("undefined symbol 'fuzz_query_main' referenced in
// expression"). Each `<module>_main` below hands control to libFuzzer's driver exactly
// as libFuzzer's own `main` does (FuzzerMain.cpp:
// `return fuzzer::FuzzerDriver(&argc, &argv, LLVMFuzzerTestOneInput)`), so every flag
// and behaviour of a plain libFuzzer binary is unchanged. The Swift targets define only
// `LLVMFuzzerTestOneInput` and `LLVMFuzzerInitialize`.
//
// (Pointing the symbol here with a second `--defsym` does not work: gold resolves the
// chain to the wrong address.) A new fuzz target needs one line here.
#include <stddef.h>
#include <stdint.h>
#include "fuzz_main.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#define SEARCHCTL_FUZZ_ENTRY(module)                                            \
    int module##_main(int argc, char **argv);                                   \
    int module##_main(int argc, char **argv) {                                  \
        return LLVMFuzzerRunDriver(&argc, &argv, LLVMFuzzerTestOneInput);       \
    }

SEARCHCTL_FUZZ_ENTRY(fuzz_query)
SEARCHCTL_FUZZ_ENTRY(fuzz_manifest)
SEARCHCTL_FUZZ_ENTRY(fuzz_deletions)
SEARCHCTL_FUZZ_ENTRY(fuzz_stored)
SEARCHCTL_FUZZ_ENTRY(fuzz_segment)
SEARCHCTL_FUZZ_ENTRY(fuzz_text)
SEARCHCTL_FUZZ_ENTRY(fuzz_deflate)
