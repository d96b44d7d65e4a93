/// `conv_transpose2d` forward and gradients: each is a convolution kernel run on the
/// adjoint geometry (`TransposedConvolutionGeometry.convolution`), since the transposed
/// convolution is the input gradient of that convolution.
///
/// Buffers: input [N, C_in, H, W], weight [C_in, C_out / groups, kH, kW], bias [C_out],
/// output [N, C_out, H_out, W_out], all contiguous.
enum TransposedConvolutionKernels {
    /// `output = conv_transpose2d(input, weight) + bias`; output overwritten.
    static func forward<T: TensorScalar>(
        _ g: TransposedConvolutionGeometry, input: UnsafePointer<T>, weight: UnsafePointer<T>, bias: UnsafePointer<T>?,
        output: UnsafeMutablePointer<T>, threads: Int? = nil
    ) {
        let conv = g.convolution
        ConvolutionKernels.backwardInput(conv, gradOutput: input, weight: weight, gradInput: output, threads: threads)
        if let bias {
            ConvolutionKernels.addPerChannel(bias, to: output, batch: conv.batch, channels: conv.inChannels, plane: conv.input.area)
        }
    }

    /// `gradInput` [N, C_in, H, W]: the convolution of `gradOutput` with the same weight.
    static func backwardInput<T: TensorScalar>(
        _ g: TransposedConvolutionGeometry, gradOutput: UnsafePointer<T>, weight: UnsafePointer<T>,
        gradInput: UnsafeMutablePointer<T>, threads: Int? = nil
    ) {
        ConvolutionKernels.forward(g.convolution, input: gradOutput, weight: weight, bias: nil, output: gradInput, threads: threads)
    }

    /// `gradWeight` [C_in, C_out / groups, kH, kW]: the convolution's weight gradient with
    /// the roles swapped, `gradOutput` as its input and this op's `input` as its upstream.
    static func backwardWeight<T: TensorScalar>(
        _ g: TransposedConvolutionGeometry, input: UnsafePointer<T>, gradOutput: UnsafePointer<T>,
        gradWeight: UnsafeMutablePointer<T>, threads: Int? = nil
    ) {
        ConvolutionKernels.backwardWeight(g.convolution, input: gradOutput, gradOutput: input, gradWeight: gradWeight, threads: threads)
    }

    /// `gradBias` [C_out]: `gradOutput` summed over the batch and positions.
    static func backwardBias<T: TensorScalar>(
        _ g: TransposedConvolutionGeometry, gradOutput: UnsafePointer<T>, gradBias: UnsafeMutablePointer<T>
    ) {
        let conv = g.convolution
        ConvolutionKernels.sumPerChannel(gradOutput, batch: conv.batch, channels: conv.inChannels, plane: conv.input.area, into: gradBias)
    }
}
