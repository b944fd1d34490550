// Every msgtype the vendor's archive document (seed 000) describes, written
// out independently of the emulator; "switch" stands for the switch log.
#pragma once

#include <string>
#include <vector>

namespace wecom::emulator {

inline const std::vector<std::string>& DocumentedMsgtypes() {
  static const auto* const msgtypes = new std::vector<std::string>{"text",
                                                                   "image",
                                                                   "revoke",
                                                                   "agree",
                                                                   "disagree",
                                                                   "voice",
                                                                   "video",
                                                                   "card",
                                                                   "location",
                                                                   "emotion",
                                                                   "file",
                                                                   "link",
                                                                   "weapp",
                                                                   "chatrecord",
                                                                   "todo",
                                                                   "vote",
                                                                   "collect",
                                                                   "redpacket",
                                                                   "meeting",
                                                                   "meeting_notification",
                                                                   "switch",
                                                                   "docmsg",
                                                                   "markdown",
                                                                   "news",
                                                                   "calendar",
                                                                   "mixed",
                                                                   "meeting_voice_call",
                                                                   "voip_doc_share",
                                                                   "external_redpacket",
                                                                   "sphfeed",
                                                                   "voiptext",
                                                                   "qydiskfile"};
  return *msgtypes;
}

}  // namespace wecom::emulator
