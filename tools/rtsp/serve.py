#!/usr/bin/python3
"""A local RTSP server for tests: serves one H.264 or H.265 .mp4 file at
rtsp://127.0.0.1:PORT/gate, as an IP camera would.

Usage: tools/rtsp/serve.py CLIP.mp4 PORT [h264|h265]   (h264 when not given)

Debian packages (scripts/setup installs them): python3-gi, gir1.2-gst-rtsp-server-1.0,
gstreamer1.0-plugins-good (qtdemux, rtph264pay, rtph265pay), gstreamer1.0-plugins-bad
(h264parse, h265parse). Run it
with Debian's /usr/bin/python3, whose site packages hold the GStreamer bindings. The file is
sent as it is (no re-encoding); each client gets its own stream from the start of the file, and
the stream ends with the file (a camera reading it reconnects and sees the file again).
"""
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


class Clip(GstRtspServer.RTSPMediaFactory):
    def __init__(self, clip, codec):
        super().__init__()
        self.clip = clip
        self.codec = codec

    def do_create_element(self, url):
        c = self.codec
        launch = (
            f'( filesrc location="{self.clip}" ! qtdemux ! {c}parse config-interval=1 '
            f"! rtp{c}pay name=pay0 pt=96 )"
        )
        return Gst.parse_launch(launch)


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    clip, port = sys.argv[1], sys.argv[2]
    codec = sys.argv[3] if len(sys.argv) == 4 else "h264"
    if codec not in ("h264", "h265"):
        sys.exit(f"codec must be h264 or h265, not {codec}")
    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(port)
    factory = Clip(clip, codec)
    factory.set_shared(False)
    server.get_mount_points().add_factory("/gate", factory)
    if server.attach(None) == 0:
        sys.exit(f"cannot listen on 127.0.0.1:{port}")
    print(f"serving {clip} ({codec}) at rtsp://127.0.0.1:{port}/gate", flush=True)
    loop = GLib.MainLoop()
    signal.signal(signal.SIGTERM, lambda *_: loop.quit())
    loop.run()


if __name__ == "__main__":
    main()
