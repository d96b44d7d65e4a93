#ifndef AUTOGRAD_ACTIVATIONS_H
#define AUTOGRAD_ACTIVATIONS_H

// Shared by the kernel files: the thread's last error, for autograd_plugin_last_error().
int activations_fail(int status, const char *message);

#endif
