//! A local, stateful CAKE simulator (to be built: issue 5).
