#pragma once
// Shutdown signalling: SIGINT/SIGTERM set a flag and make an eventfd readable, so every loop
// (blocking accept, select/poll/epoll, forked children) can wait on it next to its sockets.
#include <atomic>

namespace lab {

/// Installs the SIGINT/SIGTERM handlers and creates the eventfd. Call once, before forking.
void install_stop_handlers();
/// Readable once stop was requested (level-triggered: never drained).
int stop_fd();
bool stop_requested();
/// Requests a stop from inside the program (tests, fatal errors).
void request_stop();

}  // namespace lab
