/*
 * tools/cli/cmd_generate.h - what `genrt generate` and `genrt chat` share: opening an LLM (read,
 * compile, tokenizer, generation session), sampler options, and the stats line on stderr.
 * Ownership: grt_cli_llm_open fills a struct that grt_cli_llm_close releases. Single-threaded.
 */
#ifndef GENRT_CLI_CMD_GENERATE_H
#define GENRT_CLI_CMD_GENERATE_H

#include "cli.h"

#include <genrt/generate.h>

typedef struct grt_cli_llm {
    grt_core *core;
    grt_model *model;
    grt_compiled_model *cm;
    grt_tokenizer *tok; /* NULL when the model has none */
    grt_llm_session *session;
    int64_t context_length; /* from the model's metadata, 0 if unknown */
} grt_cli_llm;

/* Reads `path`, sets the device properties `props` (may be NULL; cli.h), compiles it for `device`,
 * loads its tokenizer if it has one, creates a session. On failure prints "genrt <cmd>: ..." and
 * returns GRT_CLI_EXIT_FAIL (llm is then closed). */
int grt_cli_llm_open(const char *cmd, const char *path, const char *device, const grt_cli_props *props,
                     grt_cli_llm *llm);
void grt_cli_llm_close(grt_cli_llm *llm);

/* Parses a sampling option at argv[*i] (--temperature, --top-k, --top-p, --min-p,
 * --repeat-penalty, --presence-penalty, --frequency-penalty, --seed) into cfg, advancing *i past
 * its value. Returns 1 if it was one (and valid), 0 if argv[*i] is not a sampling option, -1 on a
 * bad value (usage error already printed). */
int grt_cli_sampling_option(const grt_cli_command *cmd, int argc, char **argv, int *i,
                            grt_sampler_config *cfg);

/* Sentinel for "option not given" in the config grt_cli_generation_defaults completes. */
#define GRT_CLI_UNSET (-1)

/* Starts a config for option parsing: temperature, top_k, top_p, repetition_penalty and
 * max_new_tokens are GRT_CLI_UNSET (every option value is >= 0, -n > 0), the rest defaults. */
void grt_cli_generation_init(grt_generation_config *cfg);

/* Fills the fields still GRT_CLI_UNSET: from the model's generation_config.json
 * (grt_generation_config_from_model) where it has them, else the CLI defaults (temperature 0.8,
 * top-k 40, top-p 0.95, repeat penalty 1, max tokens dflt_max_new); sets context_length (the
 * model's, capped by max_length). Its eos_token_id(s) go to stops[cap] (*n_stops). When the model
 * has a generation config, prints the settings used on stderr ("generation defaults from
 * generation_config.json: ..."). Returns GRT_CLI_EXIT_OK, or prints the error and returns
 * GRT_CLI_EXIT_FAIL. */
int grt_cli_generation_defaults(const char *cmd, const grt_cli_llm *llm, grt_generation_config *cfg,
                                int64_t dflt_max_new, int32_t *stops, size_t cap, size_t *n_stops);

/* "prompt N tokens, generated M tokens, TTFT x ms, y tokens/s, peak memory Z MiB" on stderr. */
void grt_cli_print_stats(const grt_generation_result *res, size_t n_prompt);

#endif
