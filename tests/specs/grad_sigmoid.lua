-- sigmoid hidden and output layers, squared error (the article's recipe), unrolled
return network "grad_sigmoid" {
  input = 5,
  dense { 4, activation = "sigmoid" },
  dense { 3, activation = "sigmoid" },
  loss = "squared_error",
  dtype = "double",
}
