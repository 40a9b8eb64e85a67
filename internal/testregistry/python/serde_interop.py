# The real confluent-kafka-python writing and reading records through a schema registry,
# for rdstreams' serde interoperability tests (internal/testregistry.RunPython).
#
#   serde_interop.py write FORMAT TOPIC   records as JSON lines on stdin, keyed by "key"
#   serde_interop.py write-fail FORMAT TOPIC  the same, expecting produce to raise: prints
#                                         the KafkaError's name, code and str as JSON
#   serde_interop.py read FORMAT TOPIC N  N records as JSON lines on stdout
#
# FORMAT is json, avro or protobuf. The environment gives KAFKA_BOOTSTRAP,
# SCHEMA_REGISTRY_URL, and SCHEMA: the JSON schema, the Avro schema, or for protobuf the
# base64 of a FileDescriptorSet, imports first, whose last file's first message is the
# record type. Python's ProtobufDeserializer is given the registry, so it fetches and
# parses the writer's schema (and its references) as it does in production.
import base64, json, os, sys

from confluent_kafka import DeserializingConsumer, KafkaException, SerializingProducer, TopicPartition
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.serialization import StringDeserializer, StringSerializer

mode, fmt, topic = sys.argv[1], sys.argv[2], sys.argv[3]
bootstrap = os.environ["KAFKA_BOOTSTRAP"]
registry = SchemaRegistryClient({"url": os.environ["SCHEMA_REGISTRY_URL"]})
schema = os.environ["SCHEMA"]

msg_class = None
if fmt == "protobuf":
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
    from google.protobuf.json_format import MessageToDict, ParseDict

    fds = descriptor_pb2.FileDescriptorSet()
    fds.ParseFromString(base64.standard_b64decode(schema))
    pool = descriptor_pool.DescriptorPool()
    for fdp in fds.file:
        pool.Add(fdp)
    fdp = fds.file[-1]
    name = (fdp.package + "." if fdp.package else "") + fdp.message_type[0].name
    msg_class = message_factory.GetMessageClass(pool.FindMessageTypeByName(name))


def serializer():
    if fmt == "json":
        from confluent_kafka.schema_registry.json_schema import JSONSerializer
        return JSONSerializer(schema, registry, lambda v, ctx: v)
    if fmt == "avro":
        from confluent_kafka.schema_registry.avro import AvroSerializer
        return AvroSerializer(registry, schema, lambda v, ctx: v)
    from confluent_kafka.schema_registry.protobuf import ProtobufSerializer
    return ProtobufSerializer(msg_class, registry, {"use.deprecated.format": False})


def deserializer():
    if fmt == "json":
        from confluent_kafka.schema_registry.json_schema import JSONDeserializer
        return JSONDeserializer(None, schema_registry_client=registry)
    if fmt == "avro":
        from confluent_kafka.schema_registry.avro import AvroDeserializer
        return AvroDeserializer(registry)
    from confluent_kafka.schema_registry.protobuf import ProtobufDeserializer
    return ProtobufDeserializer(msg_class, {"use.deprecated.format": False}, schema_registry_client=registry)


def to_value(record):
    if msg_class is not None:
        return ParseDict(record, msg_class())
    return record


def from_value(value):
    if msg_class is not None:
        return MessageToDict(value, preserving_proto_field_name=True)
    return value


if mode in ("write", "write-fail"):
    p = SerializingProducer({"bootstrap.servers": bootstrap, "key.serializer": StringSerializer("utf_8"),
                             "value.serializer": serializer()})
    failed = []
    for line in sys.stdin:
        record = json.loads(line)
        key = record.pop("key")
        try:
            p.produce(topic, key=key, value=to_value(record),
                      on_delivery=lambda err, msg: failed.append(str(err)) if err else None)
        except KafkaException as e:
            if mode != "write-fail":
                raise
            err = e.args[0]
            print(json.dumps({"name": err.name(), "code": err.code(), "str": err.str()}))
            sys.exit(0)
    if mode == "write-fail":
        sys.exit("python producer: produce did not fail")
    left = p.flush(30)
    if failed or left:
        sys.exit("python producer: %d failed (%s), %d undelivered" % (len(failed), failed[:3], left))
else:
    n = int(sys.argv[4])
    c = DeserializingConsumer({"bootstrap.servers": bootstrap, "group.id": "serde-interop",
                               "enable.auto.commit": False, "key.deserializer": StringDeserializer("utf_8"),
                               "value.deserializer": deserializer()})
    c.assign([TopicPartition(topic, 0, 0)])
    got = 0
    while got < n:
        msg = c.poll(60)
        if msg is None:
            sys.exit("python consumer: read %d of %d records in 60 s" % (got, n))
        if msg.error():
            sys.exit("python consumer: %s" % msg.error())
        out = from_value(msg.value())
        out["key"] = msg.key()
        print(json.dumps(out, sort_keys=True), flush=True)
        got += 1
    c.close()
