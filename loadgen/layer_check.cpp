// Linked with every object of lab_loadgen_results and only lab_common (see CMakeLists.txt): it
// builds only if the results layer needs nothing from the engine, Asio's sockets or OpenSSL.
int main() { return 0; }
