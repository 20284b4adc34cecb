/* libFuzzer target: pyxform's CSV layout read from memory (forms/sheet). Beyond crashes and
 * sanitizer reports, it checks the shape sheet.h promises (fuzz_sheet.h), so a reader that returns
 * nonsense fails. */
#include "fuzz_sheet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_sheet("csv", data, size);
    return 0;
}
