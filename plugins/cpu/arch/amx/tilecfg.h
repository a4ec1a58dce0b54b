/*
 * arch/amx/tilecfg.h - the AMX tile configuration (palette 1) shared by the AMX kernels: a
 * kernel fills one with cpu_amx_cfg_init / cpu_amx_cfg_tile and loads it with
 * _tile_loadconfig at entry (and calls _tile_release before returning). Header-only, no state.
 */
#ifndef GENRT_CPU_AMX_TILECFG_H
#define GENRT_CPU_AMX_TILECFG_H

#include <stdint.h>
#include <string.h>

/* The 64-byte operand of LDTILECFG. */
typedef struct cpu_amx_cfg {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} cpu_amx_cfg;

/* Palette 1, every tile unused. */
static inline void cpu_amx_cfg_init(cpu_amx_cfg *c)
{
    memset(c, 0, sizeof *c);
    c->palette = 1;
}

/* Tile t: `rows` rows of `colsb` bytes. */
static inline void cpu_amx_cfg_tile(cpu_amx_cfg *c, int t, unsigned rows, unsigned colsb)
{
    c->rows[t] = (uint8_t)rows;
    c->colsb[t] = (uint16_t)colsb;
}

#endif
