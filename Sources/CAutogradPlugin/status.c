#include "autograd_plugin.h"

const char *autograd_plugin_status_name(int status) {
    switch (status) {
    case AUTOGRAD_PLUGIN_OK: return "AUTOGRAD_PLUGIN_OK";
    case AUTOGRAD_PLUGIN_ERROR: return "AUTOGRAD_PLUGIN_ERROR";
    case AUTOGRAD_PLUGIN_INVALID_ARGUMENT: return "AUTOGRAD_PLUGIN_INVALID_ARGUMENT";
    case AUTOGRAD_PLUGIN_OUT_OF_MEMORY: return "AUTOGRAD_PLUGIN_OUT_OF_MEMORY";
    case AUTOGRAD_PLUGIN_UNSUPPORTED: return "AUTOGRAD_PLUGIN_UNSUPPORTED";
    default: return "unknown status";
    }
}
