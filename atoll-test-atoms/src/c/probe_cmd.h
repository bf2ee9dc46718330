/*
 * The command interpreter shared by probe.c (handler style) and probe_loop.c (loop style).
 * See atoll-test-atoms/README.md for the command list.
 */
#ifndef PROBE_CMD_H
#define PROBE_CMD_H

#include <atoll.h>

/*
 * Handles one message: runs the command in its text (payload, or body of an HTTP request) and
 * answers to its reply-to. Returns 0, or 1 when the command was `return <code>`: the caller
 * must then return *code from its entry point.
 */
int probe_handle(const atoll_msg *m, int *code);

/* atoll_recover: stores kv recovered=yes (and recovered_fault=<description>). */
int probe_recover(const char *fault, size_t len);

#endif
