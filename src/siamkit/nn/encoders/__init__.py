"""Encoders: ``nn.Module``s mapping one input to an embedding ``[B, D]``, registered by name."""

from siamkit.nn.encoders.catalog import ENCODERS, build_encoder
from siamkit.nn.encoders.cnn import LeNet, PooledSmallCNN, SmallCNN
from siamkit.nn.encoders.convnet import PooledConvNet
from siamkit.nn.encoders.mlp import MLP
from siamkit.nn.encoders.mobilenet import MobileNetV2
from siamkit.nn.encoders.pretrained import load_weights
from siamkit.nn.encoders.resnet import BasicBlock, Bottleneck, ResNet18, ResNet34, ResNet50
from siamkit.nn.encoders.text import GRUTextEncoder, LSTMTextEncoder, PooledTextEncoder, Tokenizer
from siamkit.nn.encoders.transformer import MiniLMTextEncoder, TransformerTextEncoder

__all__ = ["ENCODERS", "BasicBlock", "LeNet", "MLP", "PooledSmallCNN", "ResNet18", "ResNet34", "SmallCNN", "build_encoder"]
__all__ += ["GRUTextEncoder", "LSTMTextEncoder", "PooledTextEncoder", "Tokenizer"]
__all__ += ["Bottleneck", "MobileNetV2", "ResNet50", "load_weights"]
__all__ += ["MiniLMTextEncoder", "PooledConvNet", "TransformerTextEncoder"]
