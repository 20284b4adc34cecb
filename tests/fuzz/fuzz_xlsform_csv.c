/* libFuzzer target: an XLSForm in pyxform's csv layout, read and built (forms/xlsform); the same
 * checks as fuzz_xlsform_md.c. */
#include "fuzz_xlsform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_xlsform("csv", data, size);
    return 0;
}
