/* libFuzzer target: an XLSForm in pyxform's markdown layout, read and built (forms/xlsform).
 * Beyond crashes and sanitizer reports it checks what xlsform.h promises: a form exactly when there
 * is no error, problems that name a sheet row and message, and a tree whose links agree. */
#include "fuzz_xlsform.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_xlsform("md", data, size);
    return 0;
}
