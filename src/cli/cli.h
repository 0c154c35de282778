/*
 * cli: the `sbx` commands.  main.c dispatches argv[1] through a table of
 * these; each gets argv from its own name on (argv[0] = "serve", ...) and
 * returns the process exit status (0 ok, 1 failure, 2 usage error).
 */
#ifndef SBX_CLI_H
#define SBX_CLI_H

int cmd_serve(int argc, char **argv);
int cmd_env(int argc, char **argv);
int cmd_create(int argc, char **argv);
int cmd_ls(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_runtimes(int argc, char **argv);
int cmd_kill(int argc, char **argv);
int cmd_timeout(int argc, char **argv);
int cmd_pause(int argc, char **argv);
int cmd_resume(int argc, char **argv);
int cmd_exec(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_files(int argc, char **argv);
int cmd_logs(int argc, char **argv);
int cmd_template(int argc, char **argv);
int cmd_ai(int argc, char **argv);
int cmd_snapshot(int argc, char **argv);
int cmd_fork(int argc, char **argv);
int cmd_port(int argc, char **argv);
int cmd_volume(int argc, char **argv);
int cmd_network(int argc, char **argv);
int cmd_events(int argc, char **argv);

#endif
