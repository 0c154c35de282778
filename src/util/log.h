/* log: timestamped lines on stderr.  SBX_LOG=debug enables debug lines. */
#ifndef SBX_LOG_H
#define SBX_LOG_H

void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
