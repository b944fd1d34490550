// Heartbeat: when an engine.io connection must ping and when it is dead,
// from the open packet's pingInterval and pingTimeout. Pure logic on a Clock;
// the caller sends the packets and calls Poll at NextDeadline().
//
//   v3 (socket.io 2): the client sends ping "2" every pingInterval and the
//       server answers pong "3"; no pong within pingTimeout of a ping: dead.
//   v4 (socket.io 3/4): the server sends ping "2" and the client answers "3";
//       no ping within pingInterval + pingTimeout of the last one (or of the
//       open packet): dead.
//
// Not thread-safe: the owner serialises calls.
#pragma once

#include "absl/time/time.h"
#include "common/socketio/socketio_packet.h"
#include "common/time/clock.h"

namespace wecom::socketio {

class Heartbeat {
 public:
  enum class Action {
    kNone,
    kSendPing,  // v3: send "2" now (Poll counts it as sent)
    kDead,      // the server has been silent too long
  };

  // Starts now (the open packet's arrival). `clock` must outlive it.
  Heartbeat(EngineIoVersion version, absl::Duration ping_interval, absl::Duration ping_timeout,
            Clock* clock);

  // v4: a ping from the server arrived (the caller answers it).
  void OnPing();
  // v3: the server's pong arrived.
  void OnPong();

  // What to do at Now(); kDead stays kDead.
  Action Poll();
  // When Poll next has something to do.
  absl::Time NextDeadline() const;

 private:
  const EngineIoVersion version_;
  const absl::Duration ping_interval_;
  const absl::Duration ping_timeout_;
  Clock* const clock_;
  // v4: the last ping (or the start). v3: the last ping sent (or the start).
  absl::Time last_ping_;
  // v3: a ping was sent and its pong has not arrived.
  bool awaiting_pong_ = false;
  bool dead_ = false;
};

}  // namespace wecom::socketio
