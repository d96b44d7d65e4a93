// Forward and backward kernels of the activations, for float and double.
//
// Each kernel runs over n contiguous elements; the host makes inputs and the
// upstream gradient contiguous and allocates the outputs. One template per
// function, instantiated per type through the suffix macros below, so the two
// dtypes cannot drift apart.

#include <math.h>
#include <stdint.h>

#include "autograd_plugin.h"
#include "activations.h"

#define SQRT1_2 0.70710678118654752440
#define SQRT_2_OVER_PI 0.79788456080286535588
#define INV_SQRT_2PI 0.39894228040143267794
#define GELU_CUBIC 0.044715

#define DEFINE_KERNELS(T, SUFFIX, EXP, LOG1P, TANH, ERFC, FABS, FMAX)                                  \
    /* 1 / (1 + exp(-z)) without overflow for large |z|. */                                           \
    static inline T sigmoid_##SUFFIX(T z) {                                                           \
        if (z >= 0) return (T)1 / ((T)1 + EXP(-z));                                                   \
        T e = EXP(z);                                                                                 \
        return e / ((T)1 + e);                                                                        \
    }                                                                                                 \
    /* log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)): finite for every finite z. */                  \
    static inline T softplus_##SUFFIX(T z) { return FMAX(z, (T)0) + LOG1P(EXP(-FABS(z))); }           \
                                                                                                      \
    /* PyTorch's softplus: linear where beta * x > threshold. */                                      \
    AUTOGRAD_PLUGIN_EXPORT int act_softplus_##SUFFIX(const T *x, T *out, int64_t n, double beta,     \
                                                     double threshold) {                              \
        if (beta == 0) return activations_fail(AUTOGRAD_PLUGIN_INVALID_ARGUMENT, "softplus: beta must be non-zero"); \
        const T b = (T)beta, th = (T)threshold;                                                       \
        for (int64_t i = 0; i < n; i++) {                                                             \
            T z = b * x[i];                                                                           \
            out[i] = z > th ? x[i] : softplus_##SUFFIX(z) / b;                                        \
        }                                                                                             \
        return AUTOGRAD_PLUGIN_OK;                                                                    \
    }                                                                                                 \
    AUTOGRAD_PLUGIN_EXPORT int act_softplus_backward_##SUFFIX(const T *x, const T *grad_out, T *grad_x, \
                                                              int64_t n, double beta, double threshold) { \
        if (beta == 0) return activations_fail(AUTOGRAD_PLUGIN_INVALID_ARGUMENT, "softplus: beta must be non-zero"); \
        const T b = (T)beta, th = (T)threshold;                                                       \
        for (int64_t i = 0; i < n; i++) {                                                             \
            T z = b * x[i];                                                                           \
            grad_x[i] = z > th ? grad_out[i] : grad_out[i] * sigmoid_##SUFFIX(z);                     \
        }                                                                                             \
        return AUTOGRAD_PLUGIN_OK;                                                                    \
    }                                                                                                 \
                                                                                                      \
    /* x * Phi(x) with Phi(x) = erfc(-x / sqrt 2) / 2, which keeps precision for negative x. */       \
    AUTOGRAD_PLUGIN_EXPORT int act_gelu_##SUFFIX(const T *x, T *out, int64_t n) {                    \
        for (int64_t i = 0; i < n; i++) out[i] = x[i] * (T)0.5 * ERFC(-x[i] * (T)SQRT1_2);             \
        return AUTOGRAD_PLUGIN_OK;                                                                    \
    }                                                                                                 \
    AUTOGRAD_PLUGIN_EXPORT int act_gelu_backward_##SUFFIX(const T *x, const T *grad_out, T *grad_x,  \
                                                          int64_t n) {                                \
        for (int64_t i = 0; i < n; i++) {                                                             \
            T v = x[i];                                                                               \
            T cdf = (T)0.5 * ERFC(-v * (T)SQRT1_2);                                                   \
            T pdf = (T)INV_SQRT_2PI * EXP((T)-0.5 * v * v);                                           \
            grad_x[i] = grad_out[i] * (cdf + v * pdf);                                                \
        }                                                                                             \
        return AUTOGRAD_PLUGIN_OK;                                                                    \
    }                                                                                                 \
                                                                                                      \
    /* 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), PyTorch's approximate="tanh". */              \
    AUTOGRAD_PLUGIN_EXPORT int act_gelu_tanh_##SUFFIX(const T *x, T *out, int64_t n) {               \
        for (int64_t i = 0; i < n; i++) {                                                             \
            T v = x[i];                                                                               \
            out[i] = (T)0.5 * v * ((T)1 + TANH((T)SQRT_2_OVER_PI * (v + (T)GELU_CUBIC * v * v * v)));   \
        }                                                                                             \
        return AUTOGRAD_PLUGIN_OK;                                                                    \
    }                                                                                                 \
    AUTOGRAD_PLUGIN_EXPORT int act_gelu_tanh_backward_##SUFFIX(const T *x, const T *grad_out,        \
                                                               T *grad_x, int64_t n) {                \
        for (int64_t i = 0; i < n; i++) {                                                             \
            T v = x[i];                                                                               \
            T t = TANH((T)SQRT_2_OVER_PI * (v + (T)GELU_CUBIC * v * v * v));                          \
            T du = (T)SQRT_2_OVER_PI * ((T)1 + (T)(3 * GELU_CUBIC) * v * v);                          \
            grad_x[i] = grad_out[i] * ((T)0.5 * ((T)1 + t) + (T)0.5 * v * ((T)1 - t * t) * du);       \
        }                                                                                             \
        return AUTOGRAD_PLUGIN_OK;                                                                    \
    }                                                                                                 \
                                                                                                      \
    AUTOGRAD_PLUGIN_EXPORT int act_silu_##SUFFIX(const T *x, T *out, int64_t n) {                    \
        for (int64_t i = 0; i < n; i++) out[i] = x[i] * sigmoid_##SUFFIX(x[i]);                       \
        return AUTOGRAD_PLUGIN_OK;                                                                    \
    }                                                                                                 \
    AUTOGRAD_PLUGIN_EXPORT int act_silu_backward_##SUFFIX(const T *x, const T *grad_out, T *grad_x,  \
                                                          int64_t n) {                                \
        for (int64_t i = 0; i < n; i++) {                                                             \
            T s = sigmoid_##SUFFIX(x[i]);                                                             \
            grad_x[i] = grad_out[i] * s * ((T)1 + x[i] * ((T)1 - s));                                 \
        }                                                                                             \
        return AUTOGRAD_PLUGIN_OK;                                                                    \
    }                                                                                                 \
                                                                                                      \
    /* x tanh(softplus(x)); d/dx = tanh(sp) + x sech^2(sp) sigmoid(x). */                             \
    AUTOGRAD_PLUGIN_EXPORT int act_mish_##SUFFIX(const T *x, T *out, int64_t n) {                    \
        for (int64_t i = 0; i < n; i++) out[i] = x[i] * TANH(softplus_##SUFFIX(x[i]));                \
        return AUTOGRAD_PLUGIN_OK;                                                                    \
    }                                                                                                 \
    AUTOGRAD_PLUGIN_EXPORT int act_mish_backward_##SUFFIX(const T *x, const T *grad_out, T *grad_x,  \
                                                          int64_t n) {                                \
        for (int64_t i = 0; i < n; i++) {                                                             \
            T v = x[i];                                                                               \
            T t = TANH(softplus_##SUFFIX(v));                                                         \
            grad_x[i] = grad_out[i] * (t + v * ((T)1 - t * t) * sigmoid_##SUFFIX(v));                 \
        }                                                                                             \
        return AUTOGRAD_PLUGIN_OK;                                                                    \
    }

DEFINE_KERNELS(float, f32, expf, log1pf, tanhf, erfcf, fabsf, fmaxf)
DEFINE_KERNELS(double, f64, exp, log1p, tanh, erfc, fabs, fmax)
