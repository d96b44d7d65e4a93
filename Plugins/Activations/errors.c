#include "autograd_plugin.h"
#include "activations.h"

// Per thread, so concurrent calls cannot overwrite each other's message.
static _Thread_local const char *last_error;

int activations_fail(int status, const char *message) {
    last_error = message;
    return status;
}

AUTOGRAD_PLUGIN_EXPORT const char *autograd_plugin_last_error(void) { return last_error; }
