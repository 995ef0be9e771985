#ifndef SEARCHCTL_FUZZ_MAIN_H
#define SEARCHCTL_FUZZ_MAIN_H
// Nothing to import: fuzz_main.c only defines the `<module>_main` entry points that
// SwiftPM's link command names (see there).
#endif
