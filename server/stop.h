#pragma once
// Shutdown signalling: SIGINT/SIGTERM set a flag and make an eventfd readable, so every loop
// (blocking accept, select/poll/epoll, forked children) can wait on it next to its sockets.
#include <sys/types.h>

#include <atomic>

namespace lab {

/// Installs the SIGINT/SIGTERM handlers and creates the eventfd. Call once, before forking.
/// False (errno set) when either could not be done.
bool install_stop_handlers();
/// Readable once stop was requested (level-triggered: never drained).
int stop_fd();
bool stop_requested();
/// Requests a stop from inside the program (tests, fatal errors).
void request_stop();
/// fork() for the supervised models (multiprocess, prefork): the child gets a stop of its own
/// (a fresh eventfd, the flag cleared) before any signal can reach it, because the inherited
/// eventfd is the parent's, and a signal to one child would otherwise stop every process.
/// Returns what fork() returns (-1 with errno set on failure).
pid_t fork_with_own_stop();

}  // namespace lab
