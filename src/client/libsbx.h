/*
 * libsbx: the client library of sbx — E2B's control plane and a sandbox's
 * data plane (processes, code, files), asynchronous on an sbx_loop, the same
 * against the local sbxd and E2B's cloud.  One header for its users.
 */
#ifndef SBX_LIBSBX_H
#define SBX_LIBSBX_H
#include "config.h"
#include "sandbox.h"
#include "client.h"
#include "api.h"
#include "proc.h"
#include "code.h"
#include "fs.h"
#include "idprefix.h"
#include "daemon.h"
#include "sync.h"
#include "snapshot.h"
#include "volume.h"
#include "events.h"
#include "ports.h"
#include "netcfg.h"
#endif
