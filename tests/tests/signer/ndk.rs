//! NDK (npm) as the phone: added below.
