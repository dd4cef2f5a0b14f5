//! Results handed from the checking threads to the thread that puts them in path order, a few
//! at a time.
//!
//! With a channel, every result woke the waiting thread: on a two-core machine that is a
//! wake-up, a switch and (across cores) an interrupt for every file (the channel's wake-ups
//! were 5 % of an in-process run's samples; half the run's context switches).
//! Here the receiving thread is woken once `batch` results wait, or when the sender is gone
//! (every result given, or the checking threads ended); it takes all that wait at once. Nothing
//! is lost or reordered: the receiver gets every result sent, in the order sent.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};

struct Shared<T> {
    state: Mutex<State<T>>,
    ready: Condvar,
}

struct State<T> {
    waiting: Vec<T>,
    /// The sender is gone: no more will come.
    closed: bool,
}

/// The sending side: shared by the checking threads (by reference), dropped when they are
/// done.
pub struct Sender<T> {
    shared: Arc<Shared<T>>,
    batch: usize,
}

/// The receiving side: every result sent, in the order sent, as an iterator that ends once the
/// sender is gone and every result is taken.
pub struct Receiver<T> {
    shared: Arc<Shared<T>>,
    batch: usize,
    taken: VecDeque<T>,
}

/// A sender and its receiver, the receiver woken for every `batch` results (at least one).
pub fn handoff<T>(batch: usize) -> (Sender<T>, Receiver<T>) {
    let shared = Arc::new(Shared {
        state: Mutex::new(State {
            waiting: Vec::new(),
            closed: false,
        }),
        ready: Condvar::new(),
    });
    let batch = batch.max(1);
    (
        Sender {
            shared: Arc::clone(&shared),
            batch,
        },
        Receiver {
            shared,
            batch,
            taken: VecDeque::new(),
        },
    )
}

impl<T> Sender<T> {
    /// Hands `value` on; the receiver is woken when `batch` wait.
    pub fn send(&self, value: T) {
        // A poisoned lock (a receiver that panicked holding it) still holds the state.
        let mut st = self
            .shared
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        st.waiting.push(value);
        if st.waiting.len() >= self.batch {
            drop(st);
            self.shared.ready.notify_one();
        }
    }
}

impl<T> Drop for Sender<T> {
    fn drop(&mut self) {
        let mut st = self
            .shared
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        st.closed = true;
        drop(st);
        self.shared.ready.notify_one();
    }
}

impl<T> Iterator for Receiver<T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        if let Some(v) = self.taken.pop_front() {
            return Some(v);
        }
        let mut st = self
            .shared
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        while st.waiting.len() < self.batch && !st.closed {
            st = self
                .shared
                .ready
                .wait(st)
                .unwrap_or_else(std::sync::PoisonError::into_inner);
        }
        self.taken.extend(st.waiting.drain(..));
        drop(st);
        self.taken.pop_front()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_arrives_in_the_order_sent_whatever_the_batch() {
        for batch in [1, 3, 8, 1000] {
            let (tx, rx) = handoff::<usize>(batch);
            let got = std::thread::scope(|s| {
                s.spawn(move || {
                    for i in 0..100 {
                        tx.send(i);
                    }
                });
                rx.collect::<Vec<_>>()
            });
            assert_eq!(got, (0..100).collect::<Vec<_>>(), "batch {batch}");
        }
    }

    #[test]
    fn values_from_several_threads_all_arrive_and_the_receiver_ends_when_they_end() {
        let (tx, rx) = handoff::<(usize, usize)>(16);
        let got = std::thread::scope(|s| {
            s.spawn(move || {
                let tx = &tx;
                std::thread::scope(|inner| {
                    for t in 0..4 {
                        inner.spawn(move || (0..250).for_each(|i| tx.send((t, i))));
                    }
                });
            });
            rx.collect::<Vec<_>>()
        });
        assert_eq!(got.len(), 1000);
        for t in 0..4 {
            let mine: Vec<usize> = got.iter().filter(|v| v.0 == t).map(|v| v.1).collect();
            assert_eq!(mine, (0..250).collect::<Vec<_>>(), "thread {t}");
        }
    }

    #[test]
    fn a_sender_that_panics_still_ends_the_receiver() {
        let (tx, rx) = handoff::<usize>(10);
        let got = std::thread::scope(|s| {
            let h = s.spawn(move || {
                tx.send(1);
                tx.send(2);
                panic!("a checking thread's panic");
            });
            let got: Vec<usize> = rx.collect();
            assert!(h.join().is_err());
            got
        });
        assert_eq!(got, vec![1, 2]);
    }
}
