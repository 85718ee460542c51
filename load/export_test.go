package load

// HoldExclusive takes the lock a lake file holds while it is written, as a lake file
// of another source would, until release is called.
func (w *Warehouse) HoldExclusive() (release func()) {
	w.exclusive.Lock()
	return w.exclusive.Unlock
}
