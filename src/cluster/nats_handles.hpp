// cluster/nats_handles.hpp — the NATS C client's objects owned by std::unique_ptr, and its status
// codes turned into one-line transport_error messages. Private to the NATS transport.
#pragma once

#include <nats/nats.h>

#include <memory>
#include <string>
#include <string_view>

#include "cluster/transport.hpp"

namespace dueday::cluster::detail {

template <class T, void (*Destroy)(T*)>
struct nats_deleter {
  void operator()(T* p) const noexcept { Destroy(p); }
};

// natsConnection_Destroy and natsOptions_Destroy return void; the subscription's and the KV
// store's destroy functions too. These wrappers give every type the same deleter shape.
inline void destroy_connection(natsConnection* c) { natsConnection_Destroy(c); }
inline void destroy_options(natsOptions* o) { natsOptions_Destroy(o); }
inline void destroy_js(jsCtx* js) { jsCtx_Destroy(js); }
inline void destroy_kv(kvStore* kv) { kvStore_Destroy(kv); }
inline void destroy_sub(natsSubscription* s) { natsSubscription_Destroy(s); }
inline void destroy_msg(natsMsg* m) { natsMsg_Destroy(m); }
inline void destroy_pub_ack(jsPubAck* a) { jsPubAck_Destroy(a); }
inline void destroy_meta(jsMsgMetaData* m) { jsMsgMetaData_Destroy(m); }
inline void destroy_stream_info(jsStreamInfo* i) { jsStreamInfo_Destroy(i); }
inline void destroy_status(kvStatus* s) { kvStatus_Destroy(s); }

using connection_ptr = std::unique_ptr<natsConnection, nats_deleter<natsConnection, destroy_connection>>;
using options_ptr = std::unique_ptr<natsOptions, nats_deleter<natsOptions, destroy_options>>;
using js_ptr = std::unique_ptr<jsCtx, nats_deleter<jsCtx, destroy_js>>;
using kv_ptr = std::unique_ptr<kvStore, nats_deleter<kvStore, destroy_kv>>;
using sub_ptr = std::unique_ptr<natsSubscription, nats_deleter<natsSubscription, destroy_sub>>;
using msg_ptr = std::unique_ptr<natsMsg, nats_deleter<natsMsg, destroy_msg>>;
using pub_ack_ptr = std::unique_ptr<jsPubAck, nats_deleter<jsPubAck, destroy_pub_ack>>;
using meta_ptr = std::unique_ptr<jsMsgMetaData, nats_deleter<jsMsgMetaData, destroy_meta>>;
using stream_info_ptr = std::unique_ptr<jsStreamInfo, nats_deleter<jsStreamInfo, destroy_stream_info>>;
using status_ptr = std::unique_ptr<kvStatus, nats_deleter<kvStatus, destroy_status>>;

// A failed call, as the C client reported it: its status, JetStream's error code (0 for none) and
// one line "what: status text (last error)".
class nats_failure : public transport_error {
 public:
  nats_failure(const std::string& message, natsStatus status, jsErrCode code)
      : transport_error(message), status_(status), code_(code) {}
  [[nodiscard]] natsStatus status() const noexcept { return status_; }
  [[nodiscard]] jsErrCode code() const noexcept { return code_; }

 private:
  natsStatus status_;
  jsErrCode code_;
};

// "<prefix><what>: <status text> (<the client's last error>)", one line; clears the last error.
[[nodiscard]] std::string nats_message(std::string_view prefix, std::string_view what, natsStatus s,
                                       jsErrCode code = static_cast<jsErrCode>(0));

// Throws nats_failure unless s is NATS_OK.
inline void check(std::string_view prefix, std::string_view what, natsStatus s,
                  jsErrCode code = static_cast<jsErrCode>(0)) {
  if (s != NATS_OK) throw nats_failure(nats_message(prefix, what, s, code), s, code);
}

}  // namespace dueday::cluster::detail
