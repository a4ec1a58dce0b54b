/*
 * tests/common/test_rng.h - deterministic test data shared by tests that generate weights from a
 * tensor's name: test_name_seed (FNV-1a 64 of the name) seeds test_lcg32 (a 64-bit LCG, Knuth's
 * MMIX constants, returning the high 31 bits), so every tensor gets the same values on every run
 * and platform. Header-only; the state lives in the caller (thread-safe per state).
 */
#ifndef GENRT_TESTS_COMMON_TEST_RNG_H
#define GENRT_TESTS_COMMON_TEST_RNG_H

#include <stdint.h>

/* FNV-1a 64 of the NUL-terminated string s. */
static inline uint64_t test_name_seed(const char *s) {
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

/* Advances *st and returns its bits 33..63. */
static inline uint32_t test_lcg32(uint64_t *st) {
    *st = *st * 6364136223846793005ull + 1442695040888963407ull;
    return (uint32_t)(*st >> 33);
}

#endif
