"""Remote audio and video (aiortc): signalling on /media, media workers that forward encoded
frames without transcoding, floor-following policy, recording. See docs/media.md.
"""
