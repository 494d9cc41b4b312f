// Least privilege (issue #14): once msee-emu has opened what needs root (listeners on port
// 179, the API, rtnetlink for the data plane), it becomes an unprivileged user and keeps only
// the capabilities that later work needs, as OpenBGPD's privilege separation and BIRD's -u do.
#pragma once

#include <string>

namespace msee::app {

struct PrivilegeDrop {
  std::string user;      // become this user and its primary group; supplementary groups cleared
  bool net_admin = false;  // keep CAP_NET_ADMIN (the data plane changes routes at run time)
};

// Drops root's uid/gid and every capability but, when asked, CAP_NET_ADMIN: rtnetlink checks
// it on every route change, of the sender as well as of the socket's opener. Port 179 needs
// nothing after start: every listener is bound then (a reload that adds sessions asks for a
// restart). Returns an empty string on success, else what failed (the caller stops: running
// as root by mistake is worse than not running).
std::string drop_privileges(const PrivilegeDrop& drop);

}  // namespace msee::app
