"""Edge deployment: ONNX export, onnxruntime parity and CPU latency."""
from .onnx_export import (
    PoseHeatmapModel,
    build_backbone,
    build_pose_estimator,
    count_gflops,
    export_onnx,
    is_tinyvit,
    model_name,
    onnx_latency,
    onnx_parity,
    ort_session,
)

__all__ = [
    'PoseHeatmapModel', 'build_backbone', 'build_pose_estimator',
    'export_onnx', 'onnx_parity', 'onnx_latency', 'count_gflops',
    'ort_session', 'is_tinyvit', 'model_name'
]
