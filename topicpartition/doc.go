// Package topicpartition holds TopicPartition, the (topic, partition, offset) triple that
// assignments, commits, positions and watermark queries are made of, and the special
// offsets librdkafka understands.
//
// Python → Go: TopicPartition(topic, partition, offset) is [New]; TopicPartition(topic,
// partition), whose offset is OFFSET_INVALID ("none given": assigned, it starts at the
// group's committed offset), is [Of]. A struct literal without Offset is not the same:
// its offset is 0. The attributes topic, partition, offset, metadata, leader_epoch and
// error are the fields Topic, Partition, Offset, Metadata, LeaderEpoch and Err;
// OFFSET_BEGINNING, OFFSET_END, OFFSET_STORED and OFFSET_INVALID are
// [OffsetBeginning], [OffsetEnd], [OffsetStored] and [OffsetInvalid].
package topicpartition
