// The floor for any HTTP/1.1 keep-alive client on this machine: a client that does nothing but
// the I/O, through io_uring, so that its CPU per request is the kernel's TCP work and the ring's
// own cost, with no event loop, no parsing, no clock and no histogram. bench/uring_floor.sh runs
// it beside wrk and loadgen; docs/performance.md says what it taught.
//
//   uring_floor PORT CONNECTIONS SECONDS RESPONSE_BYTES [BATCH [timestamps]]
//
// CONNECTIONS keep-alive connections to 127.0.0.1:PORT each send `GET / HTTP/1.1` and wait for
// RESPONSE_BYTES bytes of reply (the target's fixed response; a short read waits for the rest),
// then send again. Each connection has one multishot receive into a ring of provided buffers
// (armed once, not per response); each round of the loop submits every send that is ready in
// one io_uring_enter (sends carry IOSQE_CQE_SKIP_SUCCESS: only a failure completes), with the
// ring single-issuer and its completions run on entry (DEFER_TASKRUN); each enter waits for
// BATCH completions (default a quarter of the connections) or 200 us. Waiting for one at a time
// put the client to sleep and woke it for nearly every response (1.1 responses per enter) and
// cost more system time per request than loadgen's epoll loop. Prints one line:
// `requests N seconds S rounds R`; the CPU it took is measured from outside (/usr/bin/time).
// With `timestamps`, receives are multishot recvmsg with software receive timestamps
// (SO_TIMESTAMPING), and the line adds each response's mean latency from its request's
// queueing to its reap and to the kernel's receive time: what batched reaping would add to a
// latency read at the reap.
// Not part of the lab: a measuring instrument for one question (what would an io_uring client
// save), with every error fatal.
#include <arpa/inet.h>
#include <linux/errqueue.h>
#include <linux/net_tstamp.h>
#include <liburing.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void die(const char* what, int err) {
  std::fprintf(stderr, "uring_floor: %s: %s\n", what, std::strerror(err));
  std::exit(1);
}

struct Conn {
  int fd = -1;
  std::size_t got = 0;  // bytes of the current reply
  double sent = 0;      // timestamps mode: when the request was queued (CLOCK_REALTIME, s)
  double arrived = 0;   // timestamps mode: the kernel's receive time of the latest bytes
};

// Timestamps mode: receives are recvmsg with room for one SCM_TIMESTAMPING message.
bool stamps = false;
msghdr stamp_msg{};

double realtime_s() {
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) * 1e-9;
}

constexpr unsigned kBuffers = 1024;  // provided buffers (a power of two), kBufferSize each
constexpr unsigned kBufferSize = 4096;
constexpr int kGroup = 0;

// The provided-buffer ring the receives take their buffers from.
struct Buffers {
  io_uring_buf_ring* ring = nullptr;
  std::vector<char> bytes = std::vector<char>(std::size_t{kBuffers} * kBufferSize);
  void give_back(unsigned id) {
    io_uring_buf_ring_add(ring, bytes.data() + std::size_t{id} * kBufferSize, kBufferSize,
                          static_cast<unsigned short>(id), io_uring_buf_ring_mask(kBuffers), 0);
    io_uring_buf_ring_advance(ring, 1);
  }
};

void setup_buffers(io_uring& ring, Buffers& b) {
  void* mem = nullptr;
  if (int r = posix_memalign(&mem, 4096, kBuffers * sizeof(io_uring_buf)); r != 0) die("posix_memalign", r);
  b.ring = static_cast<io_uring_buf_ring*>(mem);
  io_uring_buf_reg reg{};
  reg.ring_addr = reinterpret_cast<std::uint64_t>(mem);
  reg.ring_entries = kBuffers;
  reg.bgid = kGroup;
  if (int r = io_uring_register_buf_ring(&ring, &reg, 0); r < 0) die("io_uring_register_buf_ring", -r);
  io_uring_buf_ring_init(b.ring);
  for (unsigned i = 0; i < kBuffers; ++i) b.give_back(i);
}

constexpr char kRequest[] = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";

void queue_send(io_uring& ring, Conn& c, std::size_t i) {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  if (!sqe) die("submission queue full", EBUSY);
  io_uring_prep_send(sqe, c.fd, kRequest, sizeof kRequest - 1, MSG_NOSIGNAL);
  if (stamps) c.sent = realtime_s();  // (it leaves at the next enter: a little later)
  sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
  io_uring_sqe_set_data64(sqe, i << 1 | 1);  // odd: a send (completes only when it failed)
}

void queue_recv(io_uring& ring, const Conn& c, std::size_t i) {
  io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  if (!sqe) die("submission queue full", EBUSY);
  if (stamps)
    io_uring_prep_recvmsg_multishot(sqe, c.fd, &stamp_msg, 0);
  else
    io_uring_prep_recv_multishot(sqe, c.fd, nullptr, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT;
  sqe->buf_group = kGroup;
  io_uring_sqe_set_data64(sqe, i << 1);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5 || argc > 7 || (argc == 7 && std::strcmp(argv[6], "timestamps") != 0)) {
    std::fprintf(stderr, "usage: uring_floor PORT CONNECTIONS SECONDS RESPONSE_BYTES [BATCH [timestamps]]\n");
    return 2;
  }
  const int port = std::atoi(argv[1]);
  const std::size_t n = static_cast<std::size_t>(std::atoi(argv[2]));
  const double seconds = std::atof(argv[3]);
  const std::size_t reply = static_cast<std::size_t>(std::atol(argv[4]));
  // completions to wait for per io_uring_enter (or 200 us): a quarter of the connections unless told
  const unsigned batch = argc >= 6 ? static_cast<unsigned>(std::atoi(argv[5])) : static_cast<unsigned>(n / 4 + 1);
  stamps = argc == 7;
  stamp_msg.msg_controllen = CMSG_SPACE(sizeof(scm_timestamping));
  if (port <= 0 || port > 65535 || n == 0 || n > 1000 || seconds <= 0 || reply == 0 || batch == 0 || batch > n) {
    std::fprintf(
        stderr,
        "uring_floor: PORT 1-65535, CONNECTIONS 1-1000, SECONDS > 0, RESPONSE_BYTES > 0, BATCH 1-CONNECTIONS\n");
    return 2;
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::vector<Conn> conns(n);
  for (Conn& c : conns) {
    c.fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (c.fd < 0) die("socket", errno);
    if (connect(c.fd, reinterpret_cast<const sockaddr*>(&to), sizeof to) != 0) die("connect", errno);
    const int flags = SOF_TIMESTAMPING_RX_SOFTWARE | SOF_TIMESTAMPING_SOFTWARE;
    if (stamps && setsockopt(c.fd, SOL_SOCKET, SO_TIMESTAMPING, &flags, sizeof flags) != 0)
      die("setsockopt SO_TIMESTAMPING", errno);
  }
  io_uring ring;
  io_uring_params p{};
  p.flags = IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  const unsigned entries = static_cast<unsigned>(4 * n);
  if (int r = io_uring_queue_init_params(entries, &ring, &p); r < 0) die("io_uring_queue_init_params", -r);
  Buffers buffers;
  setup_buffers(ring, buffers);
  for (std::size_t i = 0; i < n; ++i) {
    queue_send(ring, conns[i], i);
    queue_recv(ring, conns[i], i);
  }
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  std::uint64_t requests = 0, rounds = 0, stamped = 0;
  double by_reap_s = 0, by_kernel_s = 0;  // timestamps mode: summed latencies, two ways
  while (std::chrono::steady_clock::now() < end) {
    __kernel_timespec most{0, 200'000};  // a batch, or 200 us, whichever comes first
    io_uring_cqe* first = nullptr;
    if (int r = io_uring_submit_and_wait_timeout(&ring, &first, batch, &most, nullptr);
        r < 0 && r != -EINTR && r != -ETIME)
      die("io_uring_submit_and_wait_timeout", -r);
    ++rounds;
    unsigned head = 0, seen = 0;
    io_uring_cqe* cqe = nullptr;
    io_uring_for_each_cqe(&ring, head, cqe) {
      ++seen;
      const std::uint64_t tag = io_uring_cqe_get_data64(cqe);
      Conn& c = conns[tag >> 1];
      if (tag & 1) die("send", -cqe->res);
      if (cqe->res == -ENOBUFS) die("recv: the provided buffers ran out", ENOBUFS);
      if (cqe->res <= 0) die("recv (0: the server closed)", cqe->res == 0 ? ECONNRESET : -cqe->res);
      if (!(cqe->flags & IORING_CQE_F_BUFFER)) die("recv without a buffer", EPROTO);
      const unsigned id = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
      std::size_t bytes = static_cast<std::size_t>(cqe->res);
      if (stamps) {  // the buffer: io_uring_recvmsg_out, the control messages, then the bytes
        io_uring_recvmsg_out* o =
            io_uring_recvmsg_validate(buffers.bytes.data() + std::size_t{id} * kBufferSize, cqe->res, &stamp_msg);
        if (!o) die("recvmsg: a malformed buffer", EPROTO);
        bytes = io_uring_recvmsg_payload_length(o, cqe->res, &stamp_msg);
        for (cmsghdr* m = io_uring_recvmsg_cmsg_firsthdr(o, &stamp_msg); m;
             m = io_uring_recvmsg_cmsg_nexthdr(o, &stamp_msg, m)) {
          if (m->cmsg_level != SOL_SOCKET || m->cmsg_type != SCM_TIMESTAMPING) continue;
          scm_timestamping t{};
          std::memcpy(&t, CMSG_DATA(m), sizeof t);
          c.arrived = static_cast<double>(t.ts[0].tv_sec) + static_cast<double>(t.ts[0].tv_nsec) * 1e-9;
        }
      }
      buffers.give_back(id);
      c.got += bytes;
      if (c.got > reply) die("a reply longer than RESPONSE_BYTES", EPROTO);
      if (c.got == reply) {  // the whole reply: the next request
        c.got = 0;
        ++requests;
        if (stamps && c.arrived > 0) {
          by_reap_s += realtime_s() - c.sent;
          by_kernel_s += c.arrived - c.sent;
          ++stamped;
          c.arrived = 0;
        }
        queue_send(ring, c, tag >> 1);
      }
      if (!(cqe->flags & IORING_CQE_F_MORE)) queue_recv(ring, c, tag >> 1);  // the multishot ended: again
    }
    io_uring_cq_advance(&ring, seen);
  }
  std::printf("requests %llu seconds %.3f rounds %llu", static_cast<unsigned long long>(requests), seconds,
              static_cast<unsigned long long>(rounds));
  if (stamps)
    std::printf(" stamped %llu mean_latency_us reaped %.1f kernel_receive %.1f",
                static_cast<unsigned long long>(stamped),
                stamped ? by_reap_s / static_cast<double>(stamped) * 1e6 : 0.0,
                stamped ? by_kernel_s / static_cast<double>(stamped) * 1e6 : 0.0);
  std::printf("\n");
  io_uring_queue_exit(&ring);
  std::free(buffers.ring);
  for (Conn& c : conns) close(c.fd);
  return 0;
}
