package testkafka

import "testing"

// The partitions Kafka's brokers pick, from String.hashCode as Java computes it (values
// printed by a Java program): a negative hash, Integer.MIN_VALUE, and characters outside
// the Basic Multilingual Plane, which Java counts as two UTF-16 units.
func TestCoordinatorPartitionIsKafkas(t *testing.T) {
	for _, tc := range []struct {
		id   string
		n    int
		want int32
	}{
		{"hello", 50, 22},
		{"hello", 10, 2},
		{"polygenelubricants", 50, 0},
		{"cluster-3f9a1c2b7d4e", 50, 2},
		{"s20-txn-0a1b2c3d4e5f", 10, 9},
		{"é✓😀group", 50, 12},
	} {
		if got := CoordinatorPartition(tc.id, tc.n); got != tc.want {
			t.Errorf("CoordinatorPartition(%q, %d) = %d, want %d", tc.id, tc.n, got, tc.want)
		}
	}
}
