#!/bin/bash
# Call 1 on the lent GPU machine (carry .device, built by prepare.sh): the Vulkan loader, Node and
# Dawn, unpacked; then .device is copied to /tmp/jd, where call 2 finds it (a call that does not
# carry .device does not keep it).
for f in .device/gl/lib{vulkan1,egl1,glvnd0,opengl0,gl1,glx0,gles2}_*.deb; do dpkg -x "$f" /; done; ldconfig
for f in .device/gl/lib{x11-6,xcb1,xau6,xdmcp6,bsd0,md0,xext6}_*.deb; do dpkg -x "$f" /tmp/x11; done
unxz() { python3 -c "import lzma,shutil,sys; shutil.copyfileobj(lzma.open(sys.argv[1]), open(sys.argv[2],'wb'))" "$1" "$2"; }
unxz .device/node.xz /tmp/node && chmod +x /tmp/node
unxz .device/node_modules/webgpu/dist/linux-x64/dawn.node.xz .device/node_modules/webgpu/dist/linux-x64/dawn.node
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv; nproc; /tmp/node --version; ls .device
mkdir -p /tmp/jd && cp -r .device/. /tmp/jd/ && rm /tmp/jd/node.xz && ls /tmp/jd /tmp/jd/node_modules/webgpu/dist/linux-x64
