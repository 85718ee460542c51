package synth

// rng is a splitmix64 generator. The package uses it instead of math/rand so that a
// population stays identical across Go versions: its output is fixed by this file.
type rng struct{ s uint64 }

func newRNG(seed uint64) *rng { return &rng{s: seed} }

func (r *rng) next() uint64 {
	r.s += 0x9e3779b97f4a7c15
	z := r.s
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns a value in [0, n). The modulo bias is below 2^-40 for the small n used here.
func (r *rng) intn(n int) int {
	if n <= 1 {
		return 0
	}
	return int(r.next() % uint64(n))
}

// int63n returns a value in [0, n) for large ranges (timestamps in microseconds).
func (r *rng) int63n(n int64) int64 {
	if n <= 1 {
		return 0
	}
	return int64(r.next() % uint64(n))
}

// float returns a value in [0, 1).
func (r *rng) float() float64 { return float64(r.next()>>11) / (1 << 53) }

// chance reports true with probability p.
func (r *rng) chance(p float64) bool { return r.float() < p }

// weighted picks an index with probability proportional to weights.
func (r *rng) weighted(weights []int) int {
	total := 0
	for _, w := range weights {
		total += w
	}
	x := r.intn(total)
	for i, w := range weights {
		if x < w {
			return i
		}
		x -= w
	}
	return len(weights) - 1
}

// round rounds x stochastically: 2.3 becomes 2 with probability 0.7 and 3 with 0.3.
func (r *rng) round(x float64) int {
	n := int(x)
	if r.chance(x - float64(n)) {
		n++
	}
	return n
}

// mix hashes values into one well-distributed seed.
func mix(vals ...uint64) uint64 {
	h := uint64(0x6a09e667f3bcc909)
	for _, v := range vals {
		h ^= v + 0x9e3779b97f4a7c15 + (h << 6) + (h >> 2)
		h = (h ^ (h >> 33)) * 0xff51afd7ed558ccd
		h = (h ^ (h >> 33)) * 0xc4ceb9fe1a85ec53
		h ^= h >> 33
	}
	return h
}

// Salts separate the random streams drawn for one person or one day.
const (
	saltPerson uint64 = iota + 1
	saltPhone
	saltDay
	saltCompany
	saltExtra
)
