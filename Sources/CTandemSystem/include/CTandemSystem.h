// Linux system headers that Swift's Glibc module does not export (epoll, eventfd, TCP options).
// Imported only by Sources/Tandem/Transport; no code of our own lives here.
#ifndef C_TANDEM_SYSTEM_H
#define C_TANDEM_SYSTEM_H
#ifdef __linux__
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#endif
#endif
