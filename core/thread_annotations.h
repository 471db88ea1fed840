// Clang's thread-safety attributes, so that which mutex guards which field
// is written down and checked: ops/thread_safety.py compiles the annotated
// translation units with clang++ -Wthread-safety -Werror (CTest
// lint/thread-safety). Empty on other compilers (the GCC build ignores
// them). Names as in Clang's documentation and Abseil; use Mutex
// (core/mutex.h): libstdc++'s std::mutex carries no annotations.
//
// Each macro is defined only when no one else has: Abseil's
// absl/base/internal/thread_annotations.h (pulled in by its containers)
// defines some of the same names, with the same attributes.
//
//   Mutex mu_;
//   int count_ GUARDED_BY(mu_);           // read or written only with mu_ held
//   void bump() REQUIRES(mu_);            // callers hold mu_
//   void refresh() EXCLUDES(mu_);         // takes mu_ itself
//   int peek() const REQUIRES_SHARED(smu_);  // callers hold smu_ (SharedMutex) at least shared
#pragma once

#if defined(__clang__)
#define ORDERLY_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define ORDERLY_THREAD_ANNOTATION(x)
#endif

#ifndef CAPABILITY
#define CAPABILITY(x) ORDERLY_THREAD_ANNOTATION(capability(x))
#endif
#ifndef SCOPED_CAPABILITY
#define SCOPED_CAPABILITY ORDERLY_THREAD_ANNOTATION(scoped_lockable)
#endif
#ifndef GUARDED_BY
#define GUARDED_BY(x) ORDERLY_THREAD_ANNOTATION(guarded_by(x))
#endif
#ifndef PT_GUARDED_BY
#define PT_GUARDED_BY(x) ORDERLY_THREAD_ANNOTATION(pt_guarded_by(x))
#endif
#ifndef ACQUIRED_BEFORE
#define ACQUIRED_BEFORE(...) ORDERLY_THREAD_ANNOTATION(acquired_before(__VA_ARGS__))
#endif
#ifndef ACQUIRED_AFTER
#define ACQUIRED_AFTER(...) ORDERLY_THREAD_ANNOTATION(acquired_after(__VA_ARGS__))
#endif
#ifndef REQUIRES
#define REQUIRES(...) ORDERLY_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#endif
#ifndef REQUIRES_SHARED
#define REQUIRES_SHARED(...) ORDERLY_THREAD_ANNOTATION(requires_shared_capability(__VA_ARGS__))
#endif
#ifndef ACQUIRE
#define ACQUIRE(...) ORDERLY_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#endif
#ifndef ACQUIRE_SHARED
#define ACQUIRE_SHARED(...) ORDERLY_THREAD_ANNOTATION(acquire_shared_capability(__VA_ARGS__))
#endif
#ifndef RELEASE
#define RELEASE(...) ORDERLY_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#endif
#ifndef RELEASE_SHARED
#define RELEASE_SHARED(...) ORDERLY_THREAD_ANNOTATION(release_shared_capability(__VA_ARGS__))
#endif
#ifndef TRY_ACQUIRE
#define TRY_ACQUIRE(...) ORDERLY_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#endif
#ifndef EXCLUDES
#define EXCLUDES(...) ORDERLY_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#endif
#ifndef ASSERT_CAPABILITY
#define ASSERT_CAPABILITY(x) ORDERLY_THREAD_ANNOTATION(assert_capability(x))
#endif
#ifndef ASSERT_SHARED_CAPABILITY
#define ASSERT_SHARED_CAPABILITY(x) ORDERLY_THREAD_ANNOTATION(assert_shared_capability(x))
#endif
#ifndef RETURN_CAPABILITY
#define RETURN_CAPABILITY(x) ORDERLY_THREAD_ANNOTATION(lock_returned(x))
#endif
#ifndef NO_THREAD_SAFETY_ANALYSIS
#define NO_THREAD_SAFETY_ANALYSIS ORDERLY_THREAD_ANNOTATION(no_thread_safety_analysis)
#endif
