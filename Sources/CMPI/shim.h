#ifndef AUTOGRAD_CMPI_SHIM_H
#define AUTOGRAD_CMPI_SHIM_H

#include <mpi.h>

// Open MPI spells its predefined handles as macros that cast the address of a
// C global (`(MPI_Comm) &ompi_mpi_comm_world`). Swift imports neither the
// macros nor, in Swift 6, the mutable globals behind them; these accessors
// hand out the handles instead. No logic lives here.

static inline MPI_Comm cmpi_comm_world(void) { return MPI_COMM_WORLD; }

static inline MPI_Datatype cmpi_float(void) { return MPI_FLOAT; }
static inline MPI_Datatype cmpi_double(void) { return MPI_DOUBLE; }
static inline MPI_Datatype cmpi_int64(void) { return MPI_INT64_T; }
static inline MPI_Datatype cmpi_byte(void) { return MPI_BYTE; }

static inline MPI_Op cmpi_sum(void) { return MPI_SUM; }
static inline MPI_Op cmpi_max(void) { return MPI_MAX; }

static inline void *cmpi_in_place(void) { return MPI_IN_PLACE; }
static inline MPI_Request cmpi_request_null(void) { return MPI_REQUEST_NULL; }
static inline MPI_Status *cmpi_status_ignore(void) { return MPI_STATUS_IGNORE; }
static inline MPI_Errhandler cmpi_errors_return(void) { return MPI_ERRORS_RETURN; }

// Enum constants and macros whose import Swift does not promise.
static inline int cmpi_success(void) { return MPI_SUCCESS; }
static inline int cmpi_thread_multiple(void) { return MPI_THREAD_MULTIPLE; }
static inline int cmpi_max_error_string(void) { return MPI_MAX_ERROR_STRING; }

#endif
