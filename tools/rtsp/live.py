#!/usr/bin/python3
"""A local live RTSP camera with a main stream and a sub-stream, as Hikvision, Dahua and Uniview
cameras have: rtsp://127.0.0.1:PORT/main and rtsp://127.0.0.1:PORT/sub.

Usage: tools/rtsp/live.py MAIN.mp4 SUB.mp4 PORT

Unlike serve.py (each client gets the file from its start), this is live: each clip is played
in a loop at its own speed by ffmpeg (-re -stream_loop -1, stream copy, no re-encoding) into an
MPEG-TS stream on a local UDP port, and GStreamer's RTSP server sends that one stream to every
client, which joins it where it is now and waits for the next keyframe, as with a real camera.
The two clips start together, so the two streams show the same moment when the clips are the
same footage at two sizes. H.264 only.

Debian packages (scripts/setup installs them): ffmpeg, python3-gi, gir1.2-gst-rtsp-server-1.0,
gstreamer1.0-plugins-good (udpsrc, rtph264pay), gstreamer1.0-plugins-bad (tsdemux, h264parse).
Run it with Debian's /usr/bin/python3. SIGTERM stops the server and its two ffmpeg feeders.
"""
import signal
import socket
import subprocess
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def free_udp_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def feeder(clip, port):
    """ffmpeg playing `clip` in a loop, in real time, as MPEG-TS to udp://127.0.0.1:port."""
    return subprocess.Popen(
        [
            "ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin",
            "-re", "-stream_loop", "-1", "-i", clip,
            "-map", "0:v:0", "-c", "copy", "-f", "mpegts", "-muxdelay", "0", "-muxpreload", "0",
            "-flush_packets", "1", f"udp://127.0.0.1:{port}?pkt_size=1316",
        ],
        stdin=subprocess.DEVNULL,
    )


class Live(GstRtspServer.RTSPMediaFactory):
    def __init__(self, port):
        super().__init__()
        self.port = port

    def do_create_element(self, url):
        launch = (
            f'( udpsrc address=127.0.0.1 port={self.port} caps="video/mpegts,systemstream=true" '
            "! tsdemux latency=0 ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 )"
        )
        return Gst.parse_launch(launch)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main_clip, sub_clip, port = sys.argv[1], sys.argv[2], sys.argv[3]
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    feeders = []
    for mount, clip in (("/main", main_clip), ("/sub", sub_clip)):
        udp = free_udp_port()
        factory = Live(udp)
        factory.set_shared(True)
        server.get_mount_points().add_factory(mount, factory)
        feeders.append(feeder(clip, udp))
    if server.attach(None) == 0:
        for f in feeders:
            f.kill()
        sys.exit(f"cannot listen on 127.0.0.1:{port}")
    print(f"serving {main_clip} at rtsp://127.0.0.1:{port}/main and {sub_clip} at /sub", flush=True)
    loop = GLib.MainLoop()
    signal.signal(signal.SIGTERM, lambda *_: loop.quit())
    signal.signal(signal.SIGINT, lambda *_: loop.quit())
    try:
        loop.run()
    finally:
        for f in feeders:
            f.terminate()
        for f in feeders:
            try:
                f.wait(timeout=5)
            except subprocess.TimeoutExpired:
                f.kill()


if __name__ == "__main__":
    main()
