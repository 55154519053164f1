// SPDX-License-Identifier: LGPL-2.1-or-later
// A mutex that refuses to be locked twice by one thread. A self-deadlock (a lock taken again on a path
// that already holds it: the C_GetTokenInfo freeze of a reset inside the PIN-counter read was one) then
// fails the call with a logged error (CKR_GENERAL_ERROR at the C boundary) instead of freezing the
// application for ever. Lock-order inversions between two mutexes are the ThreadSanitizer build's job.
#pragma once

#include <pthread.h>

#include <cerrno>
#include <stdexcept>
#include <string>

namespace akis::p11 {

class CheckedMutex {
 public:
  explicit CheckedMutex(const char* name = "mutex") : name_(name) {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&m_, &attr);
    pthread_mutexattr_destroy(&attr);
  }
  ~CheckedMutex() { pthread_mutex_destroy(&m_); }
  CheckedMutex(const CheckedMutex&) = delete;
  CheckedMutex& operator=(const CheckedMutex&) = delete;

  void lock() {
    int rc = pthread_mutex_lock(&m_);
    if (rc == EDEADLK) throw std::logic_error(std::string("self-deadlock: ") + name_ + " is already held by this thread");
    if (rc != 0) throw std::runtime_error(std::string("cannot lock ") + name_);
  }
  bool try_lock() { return pthread_mutex_trylock(&m_) == 0; }
  void unlock() { pthread_mutex_unlock(&m_); }

 private:
  pthread_mutex_t m_;
  const char* name_;
};

}  // namespace akis::p11
