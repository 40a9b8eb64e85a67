// Package stream is hop-client's Stream model in Go: kafka:// URLs, opened for reading
// or writing, with credentials from an auth file.
//
//	s, err := stream.Open("kafka://alice@kafka.example.org/alerts", stream.Read,
//		stream.StartAt(stream.Earliest))
//	if err != nil { … }
//	defer s.Close()
//	for m, err := range s.Messages(ctx) {
//		if err != nil { … }
//		fmt.Println(m.Metadata.Topic, m.Metadata.Offset, string(m.Payload))
//	}
//
// A URL is kafka://[username@]host[:port][,host2[:port]…]/topic[,topic2…]; the username
// picks credentials from the auth file (DefaultAuthPath, hop-client's auth.toml format),
// it is never a password. Without Persist a reader stops — and closes — once every
// assigned partition has reached its end; with Persist it listens forever, across the
// end of the stream and broker restarts.
//
// A reader reads as hop-client 0.13 does (through adc-streaming): it assigns itself
// every partition of every topic in the URL, starts each where its group left off
// (else at StartAt), and commits its positions to the group; with Persist it also
// reads partitions added while it runs. Its group keeps positions and does not share
// out partitions, so two readers of one group each read every message. A topic that
// does not exist makes Open fail. Open returns positioned: a message written after it
// returns is read (Stream.Positioned gives the start offsets). Balanced, rdstreams'
// addition, makes readers members of their group instead, sharing its partitions
// out. Reading commits automatically; with
// AutoCommit(false) only messages passed to MarkDone (or MarkDoneAsync, which does not
// wait for the broker; Close waits for its commits) are committed, so a restarted
// reader gets back everything it had not marked done.
//
// Writing adds hop-client's _id and _format headers, and reading decodes by _format, so
// hop-client (Python) and rdstreams read each other's messages. Write picks the format
// from the Go type as hop-client's write does from the Python type:
//
//	stream.JSON(v)         json   the JSON of v          (Python dict, list, number …)
//	string                 json   a JSON string "…"      (Python str; must be UTF-8)
//	[]byte, stream.Blob    blob   the bytes as they are  (Python bytes, hop Blob)
//	stream.Avro            avro   an Avro container file (hop AvroBlob)
//	stream.VOEvent         voevent        its XML            (hop VOEvent)
//	stream.Circular        circular       JSON header, body  (hop GCNCircular)
//	stream.GCNTextNotice   gcntextnotice  its text           (hop GCNTextNotice)
//	stream.External        external       JSON {"url": …}    (hop ExternalMessage)
//	another stream.Model   its Format(), its Serialize()
//	nil                    blob   a null value
//
// A reader gets Format and the raw Payload. Content decodes the payload into the typed
// value of its format (the JSON value; Avro records; *VOEvent; Circular;
// GCNTextNotice; External; the bytes of a blob), and Decode into a target of the
// caller's (a Go struct from an avro record, by its avro tags; a *string gives a string
// back as it was written, from json, and a blob's bytes as text).
//
// pykafka's start rules: StartAt(p) resumes where the group left off and starts at p
// only where it has no committed offset (auto_offset_reset); with ResetOnStart it starts
// at p regardless (reset_offset_on_start). Last gives the last n messages of a topic
// across all its partitions.
//
// Python (hop-client) → Go:
//
//	stream.open(url, "r")                     stream.Open(url, stream.Read, opts…)
//	Stream(persist=True, start_at=EARLIEST)   stream.Open(url, stream.Read, stream.Persist(), stream.StartAt(stream.Earliest))
//	for message in s                          for m, err := range s.Messages(ctx)
//	s.read(metadata=True, autocommit=False)   stream.AutoCommit(false) at Open; m.Metadata
//	s.mark_done(metadata)                     s.MarkDoneAsync(m.Metadata) (hop's default is asynchronous)
//	s.mark_done(metadata, asynchronous=False) s.MarkDone(m.Metadata), which waits for the broker
//	stream.open(url, "w"); s.write(msg)       stream.Open(url, stream.Write); s.Write(payload)
//	auth=False                                stream.NoAuth()
//	(no equivalent: Kafka group membership)   stream.Balanced()
package stream
